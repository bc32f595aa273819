"""Training aids built on the simulator: reading pasted device output and diagnosing it (diagnose), quizzes."""
