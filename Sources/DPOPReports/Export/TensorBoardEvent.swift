import Foundation

/// TensorBoard `Event` records (tensorboard/compat/proto/event.proto, summary.proto), encoded by hand.
public enum TensorBoardEvent {
    /// The first record of every event file: `brain.Event:2`.
    public static func fileVersion(wallTime: Double) -> ProtobufMessage {
        var event = ProtobufMessage()
        event.double(1, wallTime)           // wall_time
        event.string(3, "brain.Event:2")    // file_version
        return event
    }

    /// Scalars at one step, as `Summary.Value.simple_value` (what TensorBoard's scalar dashboard reads).
    public static func scalars(wallTime: Double, step: Int, _ values: [(tag: String, value: Double)]) -> ProtobufMessage {
        event(wallTime: wallTime, step: step) { summary in
            for (tag, value) in values {
                summary.message(1) { v in             // Summary.value
                    v.string(1, tag)                  // tag
                    v.float(2, Float(value))          // simple_value
                }
            }
        }
    }

    /// A plugin's summary: `Summary.Value` with `SummaryMetadata.plugin_data` and the empty float tensor
    /// TensorBoard's own writers attach (dtype DT_FLOAT, shape []).
    public static func pluginSummary(wallTime: Double, step: Int = 0, tag: String, plugin: String,
                                     content: ProtobufMessage) -> ProtobufMessage {
        event(wallTime: wallTime, step: step) { summary in
            summary.message(1) { v in
                v.string(1, tag)
                v.message(9) { metadata in            // metadata
                    metadata.message(1) { pluginData in
                        pluginData.string(1, plugin)  // plugin_name
                        pluginData.message(2, content) // content
                    }
                }
                v.message(8) { tensor in              // tensor
                    tensor.int(1, 1)                  // dtype: DT_FLOAT
                    tensor.message(2) { _ in }        // tensor_shape: scalar
                }
            }
        }
    }

    private static func event(wallTime: Double, step: Int, _ summary: (inout ProtobufMessage) -> Void) -> ProtobufMessage {
        var event = ProtobufMessage()
        event.double(1, wallTime)         // wall_time
        event.int(2, Int64(step))         // step
        event.message(5, summary)         // summary
        return event
    }
}
