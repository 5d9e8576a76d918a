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
    conda:
        "../../envs/synthesize.yaml"
    threads: 1
    resources:
        mem_mb=synth_mem_mb,
        runtime=synth_runtime,
    params:
        synth=synth_args,
    shell:
        "STOCKFLOW_CPROFILE_OUT={output.cprofile:q}"
        " python -m stockflow.synthesize {wildcards.ticker:q} {input.quotes:q} {output.bars:q}"
        " {params.synth} 2> {log:q}"
