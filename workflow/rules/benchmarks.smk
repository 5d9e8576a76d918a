localrules:
    benchmark_summary,


rule benchmark_summary:
    input:
        shards=shard_files,
    output:
        summary=BENCH_SUMMARY,
    log:
        registry.log("benchmark_summary"),
    benchmark:
        registry.bench("benchmark_summary")
    conda:
        "../../envs/benchmarks.yaml"
    shell:
        "python -m stockflow.benchsummary {output.summary:q} {input.shards:q} 2> {log:q}"
