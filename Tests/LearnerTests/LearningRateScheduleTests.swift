import Testing
@testable import Learner

// References from transformers 5.24 (the scheduler's lr_lambda evaluated at step k):
//
//   import torch
//   from transformers import (get_constant_schedule_with_warmup, get_linear_schedule_with_warmup,
//       get_cosine_schedule_with_warmup, get_cosine_with_min_lr_schedule_with_warmup)
//   def lambdas(make, steps):
//       opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
//       return [make(opt).lr_lambdas[0](k) for k in steps]
//   steps = [1, 5, 9, 10, 11, 50, 99, 100]
//   lambdas(lambda o: get_constant_schedule_with_warmup(o, 10), steps)
//   lambdas(lambda o: get_linear_schedule_with_warmup(o, 10, 100), steps)
//   lambdas(lambda o: get_cosine_schedule_with_warmup(o, 10, 100), steps)
//   lambdas(lambda o: get_cosine_with_min_lr_schedule_with_warmup(o, 10, 100, min_lr_rate=0.1), steps)

private let steps = [1, 5, 9, 10, 11, 50, 99, 100]

@Suite struct LearningRateScheduleTests {
    @Test(arguments: [
        (LearningRateSchedule(kind: .constant, warmupSteps: 10),
         [0.1, 0.5, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0]),
        (LearningRateSchedule(kind: .linear, warmupSteps: 10, decaySteps: 100),
         [0.1, 0.5, 0.9, 1.0, 0.9888888888888889, 0.5555555555555556, 0.011111111111111112, 0.0]),
        (LearningRateSchedule(kind: .cosine, warmupSteps: 10, decaySteps: 100),
         [0.1, 0.5, 0.9, 1.0, 0.9996954135095479, 0.5868240888334653, 0.00030458649045211894, 0.0]),
        (LearningRateSchedule(kind: .cosine, warmupSteps: 10, decaySteps: 100, minRatio: 0.1),
         [0.1, 0.5, 0.9, 1.0, 0.9997258721585931, 0.6281416799501187, 0.10027412784140691, 0.1]),
    ])
    func matchesTransformers(schedule: LearningRateSchedule, expected: [Double]) {
        for (step, value) in zip(steps, expected) {
            #expect(abs(schedule.multiplier(step: step) - value) < 1e-12, "step \(step)")
        }
    }

    @Test func staysAtFloorAfterHorizon() {
        let cosine = LearningRateSchedule(kind: .cosine, warmupSteps: 10, decaySteps: 100, minRatio: 0.1)
        #expect(abs(cosine.multiplier(step: 150) - 0.1) < 1e-12)  // transformers would rise again here
        let linear = LearningRateSchedule(kind: .linear, warmupSteps: 0, decaySteps: 100, minRatio: 0.2)
        #expect(linear.multiplier(step: 1_000) == 0.2)
        #expect(abs(linear.multiplier(step: 50) - 0.6) < 1e-12)
    }

    @Test func noWarmupStartsAtFullRate() {
        let schedule = LearningRateSchedule(kind: .constant, warmupSteps: 0)
        #expect(schedule.multiplier(step: 1) == 1)
        #expect(schedule.learningRate(base: 5e-4, step: 1) == 5e-4)
        #expect(LearningRateSchedule(kind: .constant, warmupSteps: 4).learningRate(base: 1e-3, step: 2) == 5e-4)
    }
}
