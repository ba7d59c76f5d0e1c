"""The assistant's processes on one machine: `make run` and the runner the end-to-end tests,
the simulator and the benchmarks start the stack with."""
