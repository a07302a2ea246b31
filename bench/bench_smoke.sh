#!/bin/sh
# bench_smoke: the benchmark suite's smoke test, one of `make check`'s test
# programs.  Every benchmark case runs once at tiny sizes; the TAP output
# has one "ok" per case that ran and gave sane numbers.  It proves the
# suite still works, in seconds; the timings mean nothing.
exec iomd-bench smoke
