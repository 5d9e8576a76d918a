rule convert:
    input:
        bars=JSONL,
    output:
        hdf5=HDF5,
        cprofile=cprofile_output("convert"),
    log:
        registry.log("convert"),
    benchmark:
        registry.bench("convert")
    group:
        BATCH_GROUP
    conda:
        "../../envs/convert.yaml"
    threads: config["convert"]["threads"]
    resources:
        mem_mb=config["convert"]["memory_mb"],
        runtime=CONVERT_RUNTIME,
    params:
        hdf5=CONVERT_ARGS,
    shell:
        "STOCKFLOW_CPROFILE_OUT={output.cprofile:q}"
        " python -m stockflow.convert {input.bars:q} {output.hdf5:q} {params.hdf5:q}"
        " --threads {threads} --memory-mb {resources.mem_mb} 2> {log:q}"
