localrules:
    cprofile_merge,
    plot_cprofile,


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


rule plot_cprofile:
    input:
        merged=CPROFILE_MERGED,
    output:
        chart=report(
            CPROFILE_PLOT,
            caption="../report/cprofile.rst",
            category="Profiles",
            labels={"rule": "{stage}"},
        ),
    log:
        registry.log("plot_cprofile"),
    benchmark:
        registry.bench("plot_cprofile")
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=300,
        runtime="5m",
    shell:
        "python -m stockflow.plots cprofile {wildcards.stage:q} {input.merged:q}"
        " {output.chart:q} 2> {log:q}"
