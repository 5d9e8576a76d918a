localrules:
    plot_benchmarks,
    plot_market,
    inventory,


rule plot_ticker:
    # Only for the charted tickers (config report.tickers): the report stays readable and
    # cheap whatever the number of tickers.
    input:
        quotes=QUOTES,
        hdf5=HDF5,
    output:
        close=report(
            PLOT_CLOSE,
            caption="../report/close.rst",
            category="Data",
            subcategory="Daily close",
            labels={"ticker": "{ticker}"},
        ),
        day=report(
            PLOT_DAY,
            caption="../report/day.rst",
            category="Data",
            subcategory="Sample day",
            labels={"ticker": "{ticker}"},
        ),
    log:
        registry.log("plot_ticker"),
    benchmark:
        registry.bench("plot_ticker")
    group:
        BATCH_GROUP
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=PLOT_MEM_MB,
        runtime="5m",
    shell:
        "python -m stockflow.plots ticker {wildcards.ticker:q} {input.quotes:q} {input.hdf5:q}"
        " {output.close:q} {output.day:q} 2> {log:q}"


rule plot_benchmarks:
    input:
        summary=BENCH_SUMMARY,
        shards=shard_files,
        singles=timeline_singles,
    output:
        table=report(
            BENCH_OUTPUTS["table"],
            caption="../report/benchmarks_table.rst",
            category="Benchmarks",
            labels={"view": "1 table"},
        ),
        seconds=report(
            BENCH_OUTPUTS["seconds"],
            caption="../report/seconds.rst",
            category="Benchmarks",
            labels={"view": "2 seconds per job by rule"},
        ),
        throughput=report(
            BENCH_OUTPUTS["throughput"],
            caption="../report/throughput.rst",
            category="Benchmarks",
            labels={"view": "3 convert MB/s per ticker"},
        ),
        memory=report(
            BENCH_OUTPUTS["memory"],
            caption="../report/memory.rst",
            category="Benchmarks",
            labels={"view": "4 peak memory per rule"},
        ),
        timeline=report(
            BENCH_OUTPUTS["timeline"],
            caption="../report/timeline.rst",
            category="Benchmarks",
            labels={"view": "5 timeline and critical path"},
        ),
    log:
        registry.log("plot_benchmarks"),
    benchmark:
        registry.bench("plot_benchmarks")
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=300,
        runtime="5m",
    shell:
        "python -m stockflow.plots benchmarks {input.summary:q} --shards {input.shards:q}"
        " --singles {input.singles:q} --table {output.table:q} --seconds {output.seconds:q}"
        " --throughput {output.throughput:q} --memory {output.memory:q}"
        " --timeline {output.timeline:q} 2> {log:q}"


rule plot_market:
    # Beside plot_benchmarks (the same inputs), so that the two last jobs run at once.
    input:
        summary=BENCH_SUMMARY,
        inventory=INVENTORY,
        shards=shard_files,
        singles=timeline_singles,
    output:
        distributions=report(
            MARKET_PLOTS["distributions"],
            caption="../report/distributions.rst",
            category="Market",
            labels={"view": "1 distributions across tickers"},
        ),
        progress=report(
            MARKET_PLOTS["progress"],
            caption="../report/progress.rst",
            category="Market",
            labels={"view": "2 progress of the run"},
        ),
    log:
        registry.log("plot_market"),
    benchmark:
        registry.bench("plot_market")
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=300,
        runtime="5m",
    shell:
        "python -m stockflow.plots market {input.summary:q} --inventory {input.inventory:q}"
        " --shards {input.shards:q} --singles {input.singles:q}"
        " --distributions {output.distributions:q} --progress {output.progress:q} 2> {log:q}"


rule inventory:
    input:
        shards=shard_files,
    output:
        tsv=INVENTORY,
        table=report(
            INVENTORY_TABLE,
            caption="../report/inventory.rst",
            category="Outputs",
            labels={"view": "HDF5 inventory"},
        ),
    log:
        registry.log("inventory"),
    benchmark:
        registry.bench("inventory")
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=200,
        runtime="5m",
    shell:
        "python -m stockflow.inventory {output.tsv:q} {output.table:q} {input.shards:q}"
        " 2> {log:q}"
