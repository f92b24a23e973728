#!/usr/bin/env bash
# Renders a dpop HTML report in headless Chromium and fails unless the screenshot shows something.
#
#   scripts/check_report_render.sh REPORT.html OUT.png
#
# Installs chromium when missing (Debian: apt-get; needs root). The report must be self-contained, so
# Chromium runs with networking pointed nowhere: a report that needs the network renders incomplete.
# Exit codes: 0 rendered and not blank; 1 blank or missing screenshot; 2 usage or setup failure.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 REPORT.html OUT.png" >&2
    exit 2
fi
report=$1
png=$2
if [ ! -f "$report" ]; then
    echo "$report: no such file" >&2
    exit 2
fi

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then browser=$candidate; break; fi
done
if [ -z "$browser" ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "chromium is not installed and cannot be installed here (needs root and apt-get)" >&2
        exit 2
    fi
    echo "installing chromium…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq chromium >&2
    browser=chromium
fi

# Chromium refuses to run as root without --no-sandbox; in a container there is no sandbox to keep anyway.
flags=(--headless --disable-gpu --hide-scrollbars --no-first-run --no-default-browser-check
       --proxy-server=127.0.0.1:9 --window-size=1200,2000)
if [ "$(id -u)" -eq 0 ]; then flags+=(--no-sandbox); fi

abs_report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
mkdir -p "$(dirname "$png")"
abs_png=$(cd "$(dirname "$png")" && pwd)/$(basename "$png")
rm -f "$abs_png"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
timeout 120 "$browser" "${flags[@]}" --user-data-dir="$profile" --screenshot="$abs_png" "file://$abs_report" \
    >"$profile/chromium.log" 2>&1 || true

if [ ! -s "$abs_png" ]; then
    echo "no screenshot written; chromium said:" >&2
    tail -20 "$profile/chromium.log" >&2
    exit 1
fi

# Blank check with the standard library only: decode the PNG (8-bit RGB/RGBA, non-interlaced, as
# Chromium writes) and require both many distinct colours and a good share of non-background pixels.
python3 - "$abs_png" <<'PY'
import struct, sys, zlib

path = sys.argv[1]
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"{path}: not a PNG")
pos, idat, header = 8, b"", None
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        header = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
width, height, depth, colour, _, _, interlace = header
channels = {2: 3, 6: 4}.get(colour)
if depth != 8 or channels is None or interlace:
    sys.exit(f"{path}: unexpected PNG format (depth {depth}, colour type {colour}, interlace {interlace})")
raw = zlib.decompress(idat)
stride = width * channels
rows, prev = [], bytearray(stride)
for y in range(height):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - channels] if i >= channels else 0
        b = prev[i]
        c = prev[i - channels] if i >= channels else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
counts = {}
for line in rows[::4]:
    for x in range(0, stride, channels * 4):
        px = line[x:x + 3]
        counts[px] = counts.get(px, 0) + 1
total = sum(counts.values())
background = max(counts.values())
colours = len(counts)
ink = 1 - background / total
print(f"{path}: {width}x{height}, {colours} distinct colours in a 1/16 sample, {ink:.1%} non-background")
if colours < 20 or ink < 0.02:
    sys.exit(f"{path}: the screenshot looks blank")
PY
