import Monitor

extension PipelineConfig.DriftSettings {
    /// The drift monitor configuration these pipeline settings imply. Label and input parts
    /// alert below `p_alert` and warn below `p_warn`; PSI and JS thresholds mark large effects.
    package var monitorConfiguration: DriftMonitorConfiguration {
        var c = DriftMonitorConfiguration()
        c.referenceSize = referenceWindow
        c.currentSize = currentWindow
        c.minimumCurrentCount = min(c.minimumCurrentCount, currentWindow)
        c.bins = psiBins
        c.projections = embeddingProjections
        c.minimumExpected = minimumExpected
        c.conceptWarmup = conceptWarmup
        c.conceptOneSided = conceptOneSided
        c.conceptStandardize = conceptStandardize
        c.conceptReanchor = conceptReanchor
        c.adwin.delta = adwin.delta
        c.adwin.clock = adwin.clock
        c.adwin.maxBuckets = adwin.maxBuckets
        c.adwin.minWindowLength = adwin.minWindowLength
        c.adwin.gracePeriod = adwin.gracePeriod
        c.pageHinkley.minInstances = pageHinkley.minInstances
        c.pageHinkley.delta = pageHinkley.delta
        c.pageHinkley.threshold = pageHinkley.threshold
        c.pageHinkley.alpha = pageHinkley.alpha
        c.pageHinkley.mode = pageHinkley.mode
        c.thresholds.pAlert = pAlert
        c.thresholds.pWarn = pWarn
        c.thresholds.psiAlert = psiThreshold
        c.thresholds.psiWarn = psiThreshold / 2
        c.thresholds.jsAlert = jsThreshold
        c.thresholds.jsWarn = jsThreshold / 2
        return c
    }
}
