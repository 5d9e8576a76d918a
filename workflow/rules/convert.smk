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
    conda:
        "../../envs/convert.yaml"
    threads: config["convert"]["threads"]
    resources:
        mem_mb=convert_mem_mb,
        runtime=convert_runtime,
    params:
        hdf5=hdf5_args,
    shell:
        "STOCKFLOW_CPROFILE_OUT={output.cprofile:q}"
        " python -m stockflow.convert {input.bars:q} {output.hdf5:q} {params.hdf5}"
        " --threads {threads} --memory-mb {resources.mem_mb} 2> {log:q}"
