rule download:
    output:
        quotes=QUOTES,
        profile=profile_output("download"),
    log:
        LOG.format(rule="download"),
    benchmark:
        BENCH.format(rule="download")
    conda:
        "../../envs/download.yaml"
    threads: 1
    resources:
        mem_mb=256,
        runtime="10m",
    params:
        source=source_args,
    shell:
        "STOCKFLOW_PROFILE_OUT={output.profile:q}"
        " python -m stockflow.download {wildcards.ticker:q} {output.quotes:q} {params.source}"
        " 2> {log:q}"
