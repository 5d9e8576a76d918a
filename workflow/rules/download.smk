rule download:
    output:
        quotes=QUOTES,
        cprofile=cprofile_output("download"),
    log:
        registry.log("download"),
    benchmark:
        registry.bench("download")
    conda:
        "../../envs/download.yaml"
    threads: 1
    resources:
        mem_mb=256,
        runtime="10m",
    params:
        source=source_args,
    shell:
        "STOCKFLOW_CPROFILE_OUT={output.cprofile:q}"
        " python -m stockflow.download {wildcards.ticker:q} {output.quotes:q} {params.source}"
        " 2> {log:q}"
