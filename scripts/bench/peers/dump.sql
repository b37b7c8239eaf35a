SELECT * FROM bench_dump
