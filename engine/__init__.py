"""The engine that runs generators: plan (cache check), fingerprint, runner, store, params,
output layout, atomic writes, checkpoints, the serve worker and the charts package."""
