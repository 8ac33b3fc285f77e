import Crdkafka

extension KafkaConsumer {
    /// The low and high watermarks librdkafka last saw for `tp` in a fetch response, without
    /// asking the broker (cheap and non-blocking, unlike ``watermarks(_:timeoutMs:)``); nil
    /// before the first fetch of that partition.
    package func cachedWatermarks(_ tp: TopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1, high: Int64 = -1
        let err = rd_kafka_get_watermark_offsets(handle, tp.topic, tp.partition, &low, &high)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (low, high)
    }
}
