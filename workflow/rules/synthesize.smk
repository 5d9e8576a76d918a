rule synthesize:
    input:
        quotes=QUOTES,
    output:
        bars=JSONL,
        profile=profile_output("synthesize"),
    log:
        LOG.format(rule="synthesize"),
    benchmark:
        BENCH.format(rule="synthesize")
    conda:
        "../../envs/synthesize.yaml"
    threads: 1
    resources:
        mem_mb=synth_mem_mb,
        runtime=synth_runtime,
    params:
        synth=synth_args,
    shell:
        "STOCKFLOW_PROFILE_OUT={output.profile:q}"
        " python -m stockflow.synthesize {wildcards.ticker:q} {input.quotes:q} {output.bars:q}"
        " {params.synth} 2> {log:q}"
