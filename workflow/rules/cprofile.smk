localrules:
    cprofile_merge,


rule cprofile_merge:
    input:
        profiles=cprofile_inputs,
    output:
        merged=CPROFILE_MERGED,
    log:
        registry.log("cprofile_merge"),
    benchmark:
        registry.bench("cprofile_merge")
    conda:
        "../../envs/benchmarks.yaml"
    shell:
        "python -m stockflow.cprofile_merge {output.merged:q} {input.profiles:q} 2> {log:q}"
