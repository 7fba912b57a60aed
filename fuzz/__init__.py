"""Fuzzing harness for the readers of hostile input (see README.md)."""
