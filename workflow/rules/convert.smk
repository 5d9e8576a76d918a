rule convert:
    input:
        bars=JSONL,
    output:
        hdf5=HDF5,
    log:
        LOG.format(rule="convert"),
    benchmark:
        BENCH.format(rule="convert")
    conda:
        "../../envs/convert.yaml"
    threads: config["convert"]["threads"]
    resources:
        mem_mb=convert_mem_mb,
        runtime=convert_runtime,
    params:
        hdf5=hdf5_args,
    shell:
        "python -m stockflow.convert {input.bars:q} {output.hdf5:q} {params.hdf5}"
        " --threads {threads} 2> {log:q}"
