/// A validated prediction request as the `ControlPlane` receives it.
///
/// The HTTP body may carry one `text` or many `texts`; the server checks it and always hands
/// over a non-empty list of non-blank texts.
public struct PredictRequest: Sendable, Equatable {
    /// The adapter to use; nil means the default adapter.
    public var adapter: String?
    /// At least one text, none blank.
    public var texts: [String]

    public init(adapter: String? = nil, texts: [String]) {
        self.adapter = adapter
        self.texts = texts
    }
}

/// Predictions for the texts of a `PredictRequest`, in the same order.
public struct PredictResponse: Sendable, Codable, Equatable {
    /// The adapter that answered (the default adapter's name when the request named none).
    public var adapter: String
    /// The live version at the time of the request.
    public var version: String
    public var predictions: [Prediction]

    public init(adapter: String, version: String, predictions: [Prediction]) {
        self.adapter = adapter
        self.version = version
        self.predictions = predictions
    }
}

/// The answer to a `requests` body of `POST /v1/predict`: one response per request, in order,
/// each naming the adapter and version that answered it.
public struct PredictBatchResponse: Sendable, Codable, Equatable {
    public var responses: [PredictResponse]

    public init(responses: [PredictResponse]) { self.responses = responses }
}

/// The prediction for one text.
public struct Prediction: Sendable, Codable, Equatable {
    /// The most probable label.
    public var label: String
    /// Probability of every label (softmax over the head's logits); sums to 1.
    public var scores: [String: Double]
    /// The adapter version that produced it (a swap may land between two texts of a batch).
    public var version: String

    public init(label: String, scores: [String: Double], version: String) {
        self.label = label
        self.scores = scores
        self.version = version
    }
}

/// The answer to `POST /v1/adapters/{name}/promote` and `…/rollback`.
public struct MutationResponse: Sendable, Codable, Equatable {
    public var adapter: String
    /// `promote` or `rollback`.
    public var action: String
    /// The version that is live now.
    public var live: VersionInfo

    public init(adapter: String, action: String, live: VersionInfo) {
        self.adapter = adapter
        self.action = action
        self.live = live
    }
}

/// `GET /v1/adapters`.
public struct AdapterList: Sendable, Codable, Equatable {
    public var adapters: [AdapterInfo]

    public init(adapters: [AdapterInfo]) { self.adapters = adapters }
}

/// `GET /v1/adapters/{name}`: the adapter and its versions, oldest first.
public struct AdapterDetail: Sendable, Codable, Equatable {
    public var adapter: AdapterInfo
    public var versions: [VersionInfo]

    public init(adapter: AdapterInfo, versions: [VersionInfo]) {
        self.adapter = adapter
        self.versions = versions
    }
}
