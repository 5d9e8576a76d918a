from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/shards.smk"


# The data stages: one job per ticker per stage, or above a market's size one per batch.
if BATCHED:

    include: "workflow/rules/batches.smk"

else:

    include: "workflow/rules/download.smk"
    include: "workflow/rules/synthesize.smk"
    include: "workflow/rules/convert.smk"


include: "workflow/rules/benchmarks.smk"
include: "workflow/rules/cprofile.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        expand(HDF5, ticker=TICKERS),
        BENCH_SUMMARY,
        REPORT_TARGETS,
        CPROFILE_TARGETS,
