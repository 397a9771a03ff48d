package io.switchplane.it.fuzz;

/** One request the fuzzer sends: what kind of input it is, and its bytes on the wire. */
public record FuzzCase(String description, byte[] bytes) {}
