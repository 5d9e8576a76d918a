rule synthesize:
    input:
        quotes=QUOTES,
    output:
        bars=JSONL,
        cprofile=cprofile_output("synthesize"),
    log:
        registry.log("synthesize"),
    benchmark:
        registry.bench("synthesize")
    group:
        BATCH_GROUP
    conda:
        "../../envs/synthesize.yaml"
    threads: 1
    resources:
        mem_mb=SYNTH_MEM_MB,
        runtime=SYNTH_RUNTIME,
    params:
        synth=SYNTH_ARGS,
    shell:
        "STOCKFLOW_CPROFILE_OUT={output.cprofile:q}"
        " python -m stockflow.synthesize {wildcards.ticker:q} {input.quotes:q} {output.bars:q}"
        " {params.synth:q} 2> {log:q}"
