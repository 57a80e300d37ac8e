;; Sixteen core instances, each with its own 60 MiB linear memory (960
;; pages): 960 MiB in all, which one memory cap per memory let through.
;; Hand-written: no charm language makes this shape, but a component may
;; have it. tests/e2e/hostile.rs runs it as a bare component.
(component
  (core module $m
    (memory 960)
    (func (export "run")))
  (core instance $i0 (instantiate $m))
  (core instance $i1 (instantiate $m))
  (core instance $i2 (instantiate $m))
  (core instance $i3 (instantiate $m))
  (core instance $i4 (instantiate $m))
  (core instance $i5 (instantiate $m))
  (core instance $i6 (instantiate $m))
  (core instance $i7 (instantiate $m))
  (core instance $i8 (instantiate $m))
  (core instance $i9 (instantiate $m))
  (core instance $i10 (instantiate $m))
  (core instance $i11 (instantiate $m))
  (core instance $i12 (instantiate $m))
  (core instance $i13 (instantiate $m))
  (core instance $i14 (instantiate $m))
  (core instance $i15 (instantiate $m))
  (func (export "many-memories") (canon lift (core func $i0 "run"))))
