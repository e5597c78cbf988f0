"""Pure matching: text in, ranked catalog entries out. No I/O, no globals."""
