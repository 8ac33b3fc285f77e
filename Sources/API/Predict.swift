/// A validated prediction request as the `ControlPlane` receives it.
///
/// The HTTP body may carry one `text` or many `texts`; the server checks it and always hands
/// over a non-empty list of non-blank texts.
package struct PredictRequest: Sendable, Equatable {
    /// The adapter to use; nil means the default adapter.
    package var adapter: String?
    /// At least one text, none blank.
    package var texts: [String]

    package init(adapter: String? = nil, texts: [String]) {
        self.adapter = adapter
        self.texts = texts
    }
}

/// Predictions for the texts of a `PredictRequest`, in the same order.
package struct PredictResponse: Sendable, Codable, Equatable {
    /// The adapter that answered (the default adapter's name when the request named none).
    package var adapter: String
    /// The live version at the time of the request.
    package var version: String
    package var predictions: [Prediction]

    package init(adapter: String, version: String, predictions: [Prediction]) {
        self.adapter = adapter
        self.version = version
        self.predictions = predictions
    }
}

/// The answer to a `requests` body of `POST /v1/predict`: one response per request, in order,
/// each naming the adapter and version that answered it.
package struct PredictBatchResponse: Sendable, Codable, Equatable {
    package var responses: [PredictResponse]

    package init(responses: [PredictResponse]) { self.responses = responses }
}

/// The prediction for one text.
package struct Prediction: Sendable, Codable, Equatable {
    /// The most probable label.
    package var label: String
    /// Probability of every label (softmax over the head's logits); sums to 1.
    package var scores: [String: Double]
    /// The adapter version that produced it (a swap may land between two texts of a batch).
    package var version: String

    package init(label: String, scores: [String: Double], version: String) {
        self.label = label
        self.scores = scores
        self.version = version
    }
}

/// The answer to `POST /v1/adapters/{name}/promote` and `…/rollback`.
package struct MutationResponse: Sendable, Codable, Equatable {
    package var adapter: String
    /// `promote` or `rollback`.
    package var action: String
    /// The version that is live now.
    package var live: VersionInfo

    package init(adapter: String, action: String, live: VersionInfo) {
        self.adapter = adapter
        self.action = action
        self.live = live
    }
}

/// `GET /v1/adapters`.
package struct AdapterList: Sendable, Codable, Equatable {
    package var adapters: [AdapterInfo]

    package init(adapters: [AdapterInfo]) { self.adapters = adapters }
}

/// `GET /v1/adapters/{name}`: the adapter and its versions, oldest first.
package struct AdapterDetail: Sendable, Codable, Equatable {
    package var adapter: AdapterInfo
    package var versions: [VersionInfo]

    package init(adapter: AdapterInfo, versions: [VersionInfo]) {
        self.adapter = adapter
        self.versions = versions
    }
}
