"""Layer 7, the engine: the pipeline that runs checks and scorers on one document, the runners (sequential,
processes, Dask), the result cache and partitioned corpus runs."""
