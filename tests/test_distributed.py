"""Jitted functions and compiled models beyond one process: they pickle by reference
(never as machine code), and a worker that unpickles one loads the machine code the
parent left in the shared on-disk cache instead of compiling it again.

Each test warms the cache in this process, then runs the kernel in spawned workers
(a `ProcessPoolExecutor`, a two-worker Dask `LocalCluster`) and checks every answer
against CPython, that each call ran natively, and from the workers' own counts
(`graphlet.driver.compile_counts`) that no worker ran LLVM.
"""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import dist_kernels as kernels
import pytest

INPUTS = [27, 97, 871, 6171, 1, 2, 3, 77031]


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """A fresh cache directory that spawned workers inherit through the environment,
    warm with `collatz_steps(int)`: this process compiles it first, into this directory
    (a version compiled earlier in the process under another directory would not be
    stored here)."""
    directory = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRAPHLET_CACHE_DIR", str(directory))
        patch.delenv("GRAPHLET_CACHE", raising=False)
        assert kernels.collatz_steps.version_for(27) is None, "compiled before the cache was set"
        assert kernels.collatz_steps(27) == 111
        assert list(directory.glob("*.entry")), "the parent stored nothing in the cache"
        yield directory


def test_jitted_function_pickles_by_reference():
    data = pickle.dumps(kernels.collatz_steps)
    assert b"collatz_steps" in data and len(data) < 200  # a name, not machine code
    assert pickle.loads(data) is kernels.collatz_steps


def test_nested_jitted_function_pickles_by_value_with_its_options():
    import graphlet

    def inner(x):
        return x * 2 + 1

    jitted = graphlet.jit(inner, strict=True)
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(jitted)  # plain pickle cannot write a nested function's code
    cloudpickle = pytest.importorskip("cloudpickle")
    again = cloudpickle.loads(cloudpickle.dumps(jitted))
    assert again is not jitted and again.strict
    assert again(20) == 41 and not again.last_call_handed_back


def test_process_pool_workers_load_from_the_cache(shared_cache):
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        results = list(
            pool.map(
                kernels.call_and_count,
                [kernels.collatz_steps] * len(INPUTS),
                [(n,) for n in INPUTS],
            )
        )
    for n, (answer, native, compiled, loaded) in zip(INPUTS, results, strict=True):
        assert answer == kernels.collatz_steps_python(n)
        assert native, f"collatz_steps({n}) handed back to CPython in a worker"
        assert compiled == 0, "a worker compiled instead of loading the cached code"
        assert loaded >= 1


def test_dask_bag_over_a_local_cluster_loads_from_the_cache(shared_cache):
    distributed = pytest.importorskip("distributed", reason="needs the distributed extra")
    bag = pytest.importorskip("dask.bag")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        inputs = list(range(1, 400))
        answers = bag.from_sequence(inputs, npartitions=4).map(kernels.collatz_steps).compute()
        counts = client.run(kernels.counts)
        natives = client.run(kernels.native_calls, kernels.collatz_steps)
    assert answers == [kernels.collatz_steps_python(n) for n in inputs]
    assert len(counts) == 2
    for worker, (compiled, loaded) in counts.items():
        assert compiled == 0, f"worker {worker} compiled instead of loading the cached code"
    assert sum(loaded for _, loaded in counts.values()) >= 1
    assert sum(natives.values()) == len(inputs), "some calls handed back to CPython"


def test_compiled_model_pickles_and_loads_in_a_worker(shared_cache):
    torch = pytest.importorskip("torch")
    import graphlet

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(8, 16), torch.nn.GELU(), torch.nn.Linear(16, 4), torch.nn.Softmax(-1)
    ).eval()
    x = torch.randn(3, 8)
    compiled = graphlet.compile_fx(model, [x])
    assert compiled.report().all_native
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        out, native, compiled_here, loaded = pool.submit(
            kernels.call_compiled_model, compiled, (x,)
        ).result()
    torch.testing.assert_close(out, model(x), rtol=1e-5, atol=1e-6)
    assert native
    assert compiled_here == 0 and loaded >= 1
