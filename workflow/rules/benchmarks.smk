localrules:
    benchmark_summary,


rule benchmark_summary:
    input:
        unpack(summarized_benchmarks),
    output:
        summary=BENCH_SUMMARY,
    log:
        registry.log("benchmark_summary"),
    benchmark:
        registry.bench("benchmark_summary")
    conda:
        "../../envs/benchmarks.yaml"
    params:
        tickers=tickers_args,
    shell:
        "python -m stockflow.benchsummary {output.summary:q} {params.tickers} 2> {log:q}"
