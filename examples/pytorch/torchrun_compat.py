"""`torchrun` for PyTorch 1.13 on Python 3.11 (Debian 12's python3-torch), same arguments:

    /usr/bin/python3 examples/pytorch/torchrun_compat.py --nproc_per_node=2 examples/pytorch/train_ddp.py ...

PyTorch 1.13's launcher reads its --redirects / --tee values by iterating over an IntFlag, and
Python 3.11 no longer yields the zero member (NONE) or multi-bit members (ALL) when iterating,
so plain `torchrun` stops before starting any worker with
`AttributeError: 'NoneType' object has no attribute 'get'` (fixed in PyTorch 2.0). This wrapper
parses those two values with `Std(int(v))` and then runs the stock launcher unchanged. With a
PyTorch whose `torchrun` works, it simply runs that launcher.
"""

import re
import sys

from torch.distributed.elastic.multiprocessing import api as _mp_api


def _from_str(vm):
    """Std.from_str without iterating the flag: "0".."3" or a mapping "0:3,1:0"."""
    if re.match(_mp_api._VALUE_REGEX, vm):
        return _mp_api.Std(int(vm))
    if re.match(_mp_api._MAPPING_REGEX, vm):
        return {int(i): _mp_api.Std(int(v)) for i, v in (m.split(":") for m in vm.split(","))}
    raise ValueError(f"{vm} does not match: <{_mp_api._VALUE_REGEX}> or <{_mp_api._MAPPING_REGEX}>")


if _mp_api.Std.from_str("0") is None:  # only where the bug is present
    _mp_api.Std.from_str = staticmethod(_from_str)

if __name__ == "__main__":
    from torch.distributed.run import main

    sys.exit(main())
