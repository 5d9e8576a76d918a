# Market scale (config batch_jobs; README "Scale"): each data stage is one job per batch of
# tickers, run by stockflow.batch in one process. A rule per batch, because a job's outputs
# must be each ticker's own files (so any ticker's file stays a target, and is written and
# checked as per ticker) and one rule's jobs can only have a fixed number of outputs. The
# batches are the shards (registry.shards): the same tickers, the same ids.
for _batch, _tickers in SHARDS.items():
    _quotes = [QUOTES.format(ticker=t) for t in _tickers]
    _bars = [JSONL.format(ticker=t) for t in _tickers]
    _hdf5 = [HDF5.format(ticker=t) for t in _tickers]

    rule:
        name:
            registry.batch_rule("download", _batch)
        output:
            quotes=_quotes,
            cprofile=batch_cprofiles("download", _tickers),
        log:
            registry.batch_log("download", _batch),
        benchmark:
            registry.batch_benchmark("download", _batch)
        group:
            BATCH_RULE_GROUP
        conda:
            "../../envs/download.yaml"
        threads: 1
        resources:
            mem_mb=256,
            runtime=stageargs.batch_runtime(DOWNLOAD_RUNTIME, len(_tickers)),
            downloads=1,
        params:
            tickers=tuple(_tickers),
            source=DOWNLOAD_ARGS,
            # What each source is now (source_version): a changed source reruns its batch.
            version=tuple(ticker_source_version(t) for t in _tickers),
        shell:
            "python -m stockflow.batch download --tickers {params.tickers:q}"
            " --outputs {output.quotes:q} --cprofile {output.cprofile:q}"
            " -- {params.source:q} 2> {log:q}"

    rule:
        name:
            registry.batch_rule("synthesize", _batch)
        input:
            quotes=_quotes,
        output:
            bars=_bars,
            cprofile=batch_cprofiles("synthesize", _tickers),
        log:
            registry.batch_log("synthesize", _batch),
        benchmark:
            registry.batch_benchmark("synthesize", _batch)
        group:
            BATCH_RULE_GROUP
        conda:
            "../../envs/synthesize.yaml"
        threads: 1
        resources:
            mem_mb=SYNTH_MEM_MB,
            runtime=stageargs.batch_runtime(SYNTH_RUNTIME, len(_tickers)),
        params:
            tickers=tuple(_tickers),
            synth=SYNTH_ARGS,
        shell:
            "python -m stockflow.batch synthesize --tickers {params.tickers:q}"
            " --inputs {input.quotes:q} --outputs {output.bars:q}"
            " --cprofile {output.cprofile:q} -- {params.synth:q} 2> {log:q}"

    rule:
        name:
            registry.batch_rule("convert", _batch)
        input:
            bars=_bars,
        output:
            hdf5=_hdf5,
            cprofile=batch_cprofiles("convert", _tickers),
        log:
            registry.batch_log("convert", _batch),
        benchmark:
            registry.batch_benchmark("convert", _batch)
        group:
            BATCH_RULE_GROUP
        conda:
            "../../envs/convert.yaml"
        threads: config["convert"]["threads"]
        resources:
            mem_mb=config["convert"]["memory_mb"],
            runtime=stageargs.batch_runtime(CONVERT_RUNTIME, len(_tickers)),
        params:
            tickers=tuple(_tickers),
            hdf5=CONVERT_ARGS,
        shell:
            "python -m stockflow.batch convert --tickers {params.tickers:q}"
            " --inputs {input.bars:q} --outputs {output.hdf5:q}"
            " --cprofile {output.cprofile:q} -- {params.hdf5:q}"
            " --threads {threads} --memory-mb {resources.mem_mb} 2> {log:q}"
