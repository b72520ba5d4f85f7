// go.mod -- the Porcupine driver of bench/bench_porcupine.sh. Porcupine is
// not vendored: the script copies this folder to a temporary one and points
// the replace directive at a local copy of Porcupine's source
// (PORCUPINE_SRC), so the build needs no network.
module splitbrain/bench/porcupine

go 1.16

require github.com/anishathalye/porcupine v0.0.0

replace github.com/anishathalye/porcupine => ./porcupine-src
