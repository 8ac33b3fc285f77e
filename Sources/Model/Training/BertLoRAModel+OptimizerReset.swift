import Tensor

extension BertLoRAModel {
    /// Zeroes the AdamW moments and the step count; parameters are unchanged. After a concept
    /// drift the moments average the old concept's gradients and the bias correction treats
    /// them as settled; restarting them lets the first steps on the new concept move at the
    /// full learning rate in its own direction.
    package func resetOptimizerState() {
        adamM.zero()
        adamV.zero()
        step = 0
    }
}
