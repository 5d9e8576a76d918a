rule download:
    output:
        quotes=QUOTES,
        cprofile=cprofile_output("download"),
    log:
        registry.log("download"),
    benchmark:
        registry.bench("download")
    group:
        BATCH_GROUP
    conda:
        "../../envs/download.yaml"
    threads: 1
    resources:
        mem_mb=256,
        runtime=DOWNLOAD_RUNTIME,
        downloads=1,
    params:
        source=DOWNLOAD_ARGS,
        version=source_version,
    shell:
        "STOCKFLOW_CPROFILE_OUT={output.cprofile:q}"
        " python -m stockflow.download {wildcards.ticker:q} {output.quotes:q} {params.source:q}"
        " 2> {log:q}"
