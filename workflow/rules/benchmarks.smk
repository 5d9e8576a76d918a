localrules:
    benchmark_summary,


rule benchmark_summary:
    input:
        benchmarks=expand(
            BENCH.format(rule="{rule}"), rule=list(WORK_FILES), ticker=TICKERS
        ),
        work=expand(list(dict.fromkeys(WORK_FILES.values())), ticker=TICKERS),
    output:
        summary=BENCH_SUMMARY,
    log:
        "logs/benchmark_summary.log",
    benchmark:
        "benchmarks/benchmark_summary.tsv"
    conda:
        "../../envs/benchmarks.yaml"
    params:
        args=benchsummary_args,
    shell:
        "python -m stockflow.benchsummary {output.summary:q} {params.args} 2> {log:q}"
