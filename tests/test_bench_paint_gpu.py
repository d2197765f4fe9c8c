"""bench/paint_gpu.py --tiny: the GPU bench's own code runs on the CPU and prints every figure."""

import pytest


@pytest.mark.filterwarnings("ignore")
def test_the_gpu_bench_runs_on_the_cpu_with_tiny_models_and_prints_its_figures(capsys):
    import torch

    from bench import paint_gpu

    threads = torch.get_num_threads()
    try:
        results = paint_gpu.main(["--tiny", "--runs", "1", "--warmup", "0", "--steps", "10", "--candidates", "2"])
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    assert results["device"] and results["dtype"] == "float32" and results["targets"] is None
    assert results["steps_run"] == 6
    for row in ("default", "ours", "few_step"):
        assert results[row]["per_painting"] > 0 and results[row]["steps_per_second"] > 0
    assert results["ours"]["paintings_per_call"] == 2
    assert results["gpu_path"]["attention"] == "sdpa" and results["gpu_path"]["channels_last"] is True
    assert results["ratio"] == results["default"]["per_painting"] / results["ours"]["per_painting"]
    for words in ("s/painting", "steps/s", "peak GPU MiB", "ratio default / ours", "apply to a GPU"):
        assert words in out
