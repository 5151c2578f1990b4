"""The build steps: one module per step, each declaring what it reads and writes (see
:mod:`pkdata.builder.pipeline`)."""
