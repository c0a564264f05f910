"""Support code for Ringvisor's emulator tooling (rv-run, mkiso, rv-bench).

Modules:
  console   -- parsing the hypervisor's console protocol and judging a run
  domcfg    -- reading domain files (xl.cfg) and staging them as boot modules
  domains   -- the verdict on a run of domains, the fairness check
  guestbench -- HVM figures for rv-bench (exit cost, overhead of a domain)
  media     -- boot media: grub.cfg / ISO (grub-mkrescue), ESP directory for the EFI app
  firmware  -- locating OVMF
  emulators -- QEMU and Bochs command lines
  runner    -- starting an emulator, streaming its console, enforcing a timeout
  elfinfo   -- ELF64 program-header sizes (for the benchmark)
  cli       -- the rv-run command line

Python 3 standard library only: these run on a bare CI machine.
"""
