rule shard:
    # The jobs of a batch of tickers (config batch_size) in one table (stockflow/shard.py):
    # what the summary, the inventory and the timeline read, instead of every ticker's files.
    # In the batch's group (BATCH_GROUP): on a cluster, one batch is one cluster job.
    input:
        unpack(shard_inputs),
    output:
        shard=SHARD,
    log:
        registry.log("shard"),
    benchmark:
        registry.bench("shard")
    group:
        BATCH_GROUP
    conda:
        "../../envs/benchmarks.yaml"
    threads: 1
    resources:
        mem_mb=200,
        runtime="2m",
    params:
        tickers=shard_tickers,
        # Batch jobs (BATCHED): the times are in the batch logs' result lines, per ticker.
        batched="--batched" if BATCHED else "",
    shell:
        "python -m stockflow.shard {output.shard:q} --anchor {input.anchor:q}"
        " --tickers {params.tickers:q} {params.batched} 2> {log:q}"
