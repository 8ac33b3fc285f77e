import Monitor

extension PipelineConfig.DriftSettings {
    /// The drift monitor configuration these pipeline settings imply. The pipeline's
    /// thresholds mark "alert"; "warn" starts at half of them.
    public var monitorConfiguration: DriftMonitorConfiguration {
        var c = DriftMonitorConfiguration()
        c.referenceSize = referenceWindow
        c.currentSize = currentWindow
        c.minimumCurrentCount = min(c.minimumCurrentCount, currentWindow)
        c.bins = psiBins
        c.projections = embeddingProjections
        c.adwin.delta = adwinDelta
        c.pageHinkley.minInstances = pageHinkley.minInstances
        c.pageHinkley.delta = pageHinkley.delta
        c.pageHinkley.threshold = pageHinkley.threshold
        c.pageHinkley.alpha = pageHinkley.alpha
        c.thresholds.psiAlert = psiThreshold
        c.thresholds.psiWarn = psiThreshold / 2
        c.thresholds.jsAlert = jsThreshold
        c.thresholds.jsWarn = jsThreshold / 2
        return c
    }
}
