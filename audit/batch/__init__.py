"""Batch scoring of a translation archive (``mt-audit batch``): readers, safe archive access,
a per-document worker, a resumable runner (process pool or Dask), merged outputs and an HTML report."""
