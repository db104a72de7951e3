"""Running a corpus: workers, Dask, the result cache, and publishing outputs."""
