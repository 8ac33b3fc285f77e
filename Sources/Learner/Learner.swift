// Learner module
