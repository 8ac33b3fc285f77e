/// The control plane described as OpenAPI 3.0, served at `GET /openapi.json`.
///
/// Written by hand (the routes are few and stable); `OpenAPIRouteTests` compares its paths and
/// methods with the routes the router really serves, so the two cannot drift apart silently.
/// Schemas name the fields of the API types; their meaning is documented on the Swift types.
package enum OpenAPIDocument {
    package static let json = #"""
    {
      "openapi": "3.0.3",
      "info": {
        "title": "StreamLoRA control plane",
        "version": "1",
        "description": "Status, drift, adapters, predictions, events and metrics of a running streamlora agent. Mutations need Authorization: Bearer <token> (the pipeline's server.token_env)."
      },
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
          "MetricValues": {"type": "object", "properties": {
            "count": {"type": "integer"}, "accuracy": {"type": "number", "nullable": true},
            "log_loss": {"type": "number", "nullable": true}}},
          "HoldoutMetrics": {"type": "object", "nullable": true, "properties": {
            "count": {"type": "integer"}, "accuracy": {"type": "number", "nullable": true},
            "log_loss": {"type": "number", "nullable": true},
            "live": {"$ref": "#/components/schemas/MetricValues", "nullable": true}}},
          "PrequentialSummary": {"type": "object", "properties": {
            "cumulative": {"$ref": "#/components/schemas/MetricValues"},
            "windowed": {"$ref": "#/components/schemas/MetricValues"}, "window": {"type": "integer"},
            "label_counts": {"type": "object", "additionalProperties": {"type": "integer"}}}},
          "AgentStatus": {"type": "object", "properties": {
            "started_at": {"type": "string", "format": "date-time"}, "uptime_seconds": {"type": "number"},
            "ready": {"type": "boolean"}, "pipeline": {"type": "string", "nullable": true},
            "topic": {"type": "string", "nullable": true}, "default_adapter": {"type": "string", "nullable": true},
            "base_model": {"type": "string", "nullable": true}, "dlq_messages": {"type": "integer"},
            "adapters": {"type": "array", "items": {"type": "object", "properties": {
              "name": {"type": "string"}, "live_version": {"type": "string", "nullable": true},
              "labels": {"type": "array", "items": {"type": "string"}}, "examples_seen": {"type": "integer"},
              "examples_trained": {"type": "integer"}, "examples_skipped": {"type": "integer"},
              "holdout_examples": {"type": "integer"},
              "steps": {"type": "integer"}, "last_train_loss": {"type": "number", "nullable": true},
              "prequential": {"$ref": "#/components/schemas/PrequentialSummary"}, "last_snapshot": {"type": "object", "nullable": true},
              "partitions": {"type": "array", "items": {"type": "object"}}}}}}},
          "VersionStatus": {"type": "string", "enum": ["candidate", "live", "superseded", "rejected", "retired"]},
          "VersionInfo": {"type": "object", "properties": {
            "version": {"type": "string"}, "parent": {"type": "string", "nullable": true},
            "created_at": {"type": "string", "format": "date-time"},
            "status": {"$ref": "#/components/schemas/VersionStatus"}, "is_live": {"type": "boolean"},
            "examples_trained": {"type": "integer"}, "steps": {"type": "integer"},
            "holdout": {"$ref": "#/components/schemas/HoldoutMetrics"},
            "prequential": {"$ref": "#/components/schemas/PrequentialSummary"}, "reason": {"type": "string", "nullable": true}}},
          "AdapterInfo": {"type": "object", "properties": {
            "name": {"type": "string"}, "live_version": {"type": "string", "nullable": true},
            "latest_version": {"type": "string", "nullable": true}, "version_count": {"type": "integer"},
            "labels": {"type": "array", "items": {"type": "string"}}, "is_default": {"type": "boolean"},
            "lora": {"type": "object", "nullable": true, "properties": {
              "r": {"type": "integer"}, "lora_alpha": {"type": "number"},
              "target_modules": {"type": "array", "items": {"type": "string"}},
              "trainable_parameters": {"type": "integer"}, "total_parameters": {"type": "integer"}}}}},
          "AgentEvent": {"type": "object", "properties": {
            "time": {"type": "string", "format": "date-time"}, "adapter": {"type": "string", "nullable": true},
            "kind": {"type": "string", "description": "snapshot, promote, reject, rollback, clear_live, rollback_declined, reload, adapt, retire, import, pin, unpin, drift, ready, dead_letter"},
            "cause": {"type": "string", "description": "gate, manual, a rollback trigger, a drift detector/signal, severity, retention"},
            "severity": {"type": "string", "enum": ["info", "warn", "alert"]},
            "version": {"type": "string", "nullable": true}, "previous": {"type": "string", "nullable": true},
            "message": {"type": "string"}, "numbers": {"type": "object", "additionalProperties": {"type": "number"}}}},
          "HistoryPoint": {"type": "object", "properties": {
            "time": {"type": "string", "format": "date-time"}, "examples_seen": {"type": "integer"},
            "accuracy": {"type": "number", "nullable": true}, "window_accuracy": {"type": "number", "nullable": true},
            "log_loss": {"type": "number", "nullable": true}, "window_log_loss": {"type": "number", "nullable": true},
            "label_js_divergence": {"type": "number", "nullable": true}, "label_psi": {"type": "number", "nullable": true},
            "input_psi": {"type": "number", "nullable": true}, "live_version": {"type": "string", "nullable": true}}},
          "MutationResponse": {"type": "object", "properties": {
            "adapter": {"type": "string"}, "action": {"type": "string", "enum": ["promote", "rollback"]},
            "live": {"$ref": "#/components/schemas/VersionInfo"}}}
        },
        "responses": {
          "Error": {"description": "An error naming what was wrong", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        },
        "parameters": {
          "name": {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}
        }
      },
      "paths": {
        "/": {"get": {"summary": "The dashboard (HTML)", "responses": {"200": {"description": "HTML page", "content": {"text/html": {}}}}}},
        "/healthz": {"get": {"summary": "Liveness: 200 while the process runs", "responses": {"200": {"description": "alive"}}}},
        "/readyz": {"get": {"summary": "Readiness: model loaded, adapters restored", "responses": {"200": {"description": "ready"}, "503": {"description": "not ready"}}}},
        "/metrics": {"get": {"summary": "Prometheus text exposition (format 0.0.4)", "responses": {"200": {"description": "metrics", "content": {"text/plain": {}}}}}},
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.0 document"}}}},
        "/v1/status": {"get": {"summary": "Agent and adapter status", "responses": {"200": {"description": "status", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AgentStatus"}}}}}}},
        "/v1/drift": {"get": {"summary": "Drift reports", "parameters": [{"name": "adapter", "in": "query", "schema": {"type": "string"}}],
          "responses": {"200": {"description": "{reports: [DriftReport]}"}, "404": {"$ref": "#/components/responses/Error"}}}},
        "/v1/adapters": {"get": {"summary": "Every adapter", "responses": {"200": {"description": "{adapters: [AdapterInfo]}", "content": {"application/json": {"schema": {"type": "object", "properties": {"adapters": {"type": "array", "items": {"$ref": "#/components/schemas/AdapterInfo"}}}}}}}}}},
        "/v1/adapters/{name}": {"get": {"summary": "One adapter and its versions", "parameters": [{"$ref": "#/components/parameters/name"}],
          "responses": {"200": {"description": "{adapter: AdapterInfo, versions: [VersionInfo]}"}, "404": {"$ref": "#/components/responses/Error"}}}},
        "/v1/adapters/{name}/promote": {"post": {"summary": "Make a version live", "security": [{"bearer": []}], "parameters": [{"$ref": "#/components/parameters/name"}],
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["version"], "properties": {"version": {"type": "string"}, "reason": {"type": "string"}}}}}},
          "responses": {"200": {"description": "now live", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MutationResponse"}}}}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
        "/v1/adapters/{name}/rollback": {"post": {"summary": "Roll back to a version (default: the previous good one)", "security": [{"bearer": []}], "parameters": [{"$ref": "#/components/parameters/name"}],
          "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"to": {"type": "string"}, "reason": {"type": "string"}}}}}},
          "responses": {"200": {"description": "now live", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MutationResponse"}}}}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
        "/v1/predict": {"post": {"summary": "Classify texts with an adapter's live version",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"adapter": {"type": "string"}, "text": {"type": "string"}, "texts": {"type": "array", "items": {"type": "string"}}}}}}},
          "responses": {"200": {"description": "{adapter, version, predictions: [{label, scores, version}]}"}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}}}},
        "/v1/events": {"get": {"summary": "The journal and drift alarms, newest first",
          "parameters": [{"name": "adapter", "in": "query", "schema": {"type": "string"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200}}],
          "responses": {"200": {"description": "{events: [AgentEvent]}", "content": {"application/json": {"schema": {"type": "object", "properties": {"events": {"type": "array", "items": {"$ref": "#/components/schemas/AgentEvent"}}}}}}}, "400": {"$ref": "#/components/responses/Error"}}}},
        "/v1/history": {"get": {"summary": "Bounded server-side history of every adapter's curves",
          "responses": {"200": {"description": "{interval_seconds, capacity, adapters: {name: [HistoryPoint]}}", "content": {"application/json": {"schema": {"type": "object", "properties": {"interval_seconds": {"type": "number"}, "capacity": {"type": "integer"}, "adapters": {"type": "object", "additionalProperties": {"type": "array", "items": {"$ref": "#/components/schemas/HistoryPoint"}}}}}}}}}}}
      }
    }
    """#
}
