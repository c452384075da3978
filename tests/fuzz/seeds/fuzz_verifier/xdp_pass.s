# fuzz_verifier: xdp unpriv
    r0 = 2
    exit
