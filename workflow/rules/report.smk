localrules:
    plot_benchmarks,
    inventory,


rule plot_ticker:
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
    conda:
        "../../envs/plots.yaml"
    threads: 1
    resources:
        mem_mb=plot_mem_mb,
        runtime="5m",
    shell:
        "python -m stockflow.plots ticker {wildcards.ticker:q} {input.quotes:q} {input.hdf5:q}"
        " {output.close:q} {output.day:q} 2> {log:q}"


rule plot_benchmarks:
    input:
        summary=BENCH_SUMMARY,
        benchmarks=timeline_benchmarks,
    output:
        table=report(
            BENCH_TABLE,
            caption="../report/benchmarks_table.rst",
            category="Benchmarks",
            labels={"view": "1 table"},
        ),
        seconds=report(
            BENCH_PLOTS["seconds"],
            caption="../report/seconds.rst",
            category="Benchmarks",
            labels={"view": "2 seconds per job by rule"},
        ),
        throughput=report(
            BENCH_PLOTS["throughput"],
            caption="../report/throughput.rst",
            category="Benchmarks",
            labels={"view": "3 convert MB/s per ticker"},
        ),
        memory=report(
            BENCH_PLOTS["memory"],
            caption="../report/memory.rst",
            category="Benchmarks",
            labels={"view": "4 peak memory per rule"},
        ),
        timeline=report(
            BENCH_PLOTS["timeline"],
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
    params:
        tickers=tickers_args,
    shell:
        "python -m stockflow.plots benchmarks {input.summary:q} --table {output.table:q}"
        " --seconds {output.seconds:q} --throughput {output.throughput:q}"
        " --memory {output.memory:q} --timeline {output.timeline:q} {params.tickers}"
        " 2> {log:q}"


rule inventory:
    input:
        hdf5=expand(HDF5, ticker=TICKERS),
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
    params:
        json=inventory_args,
    shell:
        "python -m stockflow.inventory {output.tsv:q} {output.table:q} {input.hdf5:q}"
        " {params.json} 2> {log:q}"
