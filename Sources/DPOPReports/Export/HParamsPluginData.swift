/// TensorBoard's HParams plugin messages (tensorboard/plugins/hparams/plugin_data.proto, api.proto):
/// the experiment (which hyperparameters and metrics the dashboard shows) and each session's values.
public enum HParamsPluginData {
    /// Summary tags the plugin looks for.
    public static let pluginName = "hparams"
    public static let experimentTag = "_hparams_/experiment"
    public static let sessionStartTag = "_hparams_/session_start_info"
    public static let sessionEndTag = "_hparams_/session_end_info"

    /// A hyperparameter's value: numbers sort and filter as numbers in the dashboard.
    public enum Value: Equatable, Sendable {
        case number(Double)
        case string(String)
        case bool(Bool)

        /// `google.protobuf.Value`.
        var message: ProtobufMessage {
            var m = ProtobufMessage()
            switch self {
            case .number(let x): m.double(2, x)
            case .string(let s): m.string(3, s)
            case .bool(let b): m.bool(4, b)
            }
            return m
        }
    }

    /// A hyperparameter of the experiment and the values it takes.
    public struct Hyperparameter: Sendable {
        public var name: String
        public var values: [Value]
        public init(name: String, values: [Value]) {
            self.name = name
            self.values = values
        }
    }

    /// Session end status (api.proto `Status`).
    public enum Status: Int64, Sendable {
        case unknown = 0, success = 1, failure = 2, running = 3
    }

    /// `HParamsPluginData{experiment}`: hyperparameters with discrete domains and the metric tags.
    public static func experiment(name: String, description: String, created: Double,
                                  hyperparameters: [Hyperparameter], metricTags: [String]) -> ProtobufMessage {
        wrap(2) { e in
            e.string(6, name)
            e.string(1, description)
            e.double(3, created)                               // time_created_secs
            for h in hyperparameters {
                e.message(4) { info in                         // hparam_infos
                    info.string(1, h.name)
                    info.int(4, dataType(h.values))            // type
                    info.message(5) { list in                  // domain_discrete: ListValue
                        for v in h.values { list.message(1, v.message) }
                    }
                }
            }
            for tag in metricTags {
                e.message(5) { info in                         // metric_infos
                    info.message(1) { $0.string(2, tag) }      // name: MetricName{tag}
                    info.string(3, tag)                        // display_name
                }
            }
        }
    }

    /// `HParamsPluginData{session_start_info}`: one run's hyperparameter values.
    public static func sessionStart(values: [(name: String, value: Value)], group: String, started: Double) -> ProtobufMessage {
        wrap(3) { s in
            for (name, value) in values {
                s.message(1) { entry in                        // map<string, Value> hparams
                    entry.string(1, name)
                    entry.message(2, value.message)
                }
            }
            s.string(4, group)                                 // group_name
            s.double(5, started)                               // start_time_secs
        }
    }

    /// `HParamsPluginData{session_end_info}`.
    public static func sessionEnd(status: Status, ended: Double) -> ProtobufMessage {
        wrap(4) { s in
            s.int(1, status.rawValue)
            s.double(2, ended)
        }
    }

    private static func dataType(_ values: [Value]) -> Int64 {
        if values.allSatisfy({ if case .number = $0 { true } else { false } }) { return 3 }  // FLOAT64
        if values.allSatisfy({ if case .bool = $0 { true } else { false } }) { return 2 }    // BOOL
        return 1                                                                              // STRING
    }

    private static func wrap(_ field: Int, _ build: (inout ProtobufMessage) -> Void) -> ProtobufMessage {
        var data = ProtobufMessage()
        data.int(1, 0)                 // version
        data.message(field, build)
        return data
    }
}
