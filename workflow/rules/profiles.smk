localrules:
    profile_merge,


rule profile_merge:
    input:
        profiles=profile_inputs,
    output:
        merged=PROFILE_MERGED,
    log:
        "logs/profile_merge/{stage}.log",
    benchmark:
        "benchmarks/profile_merge/{stage}.tsv"
    conda:
        "../../envs/benchmarks.yaml"
    shell:
        "python -m stockflow.profiles merge {output.merged:q} {input.profiles:q} 2> {log:q}"
