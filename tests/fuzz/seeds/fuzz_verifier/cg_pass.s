# fuzz_verifier: cgroup_skb unpriv
    r0 = 1
    exit
