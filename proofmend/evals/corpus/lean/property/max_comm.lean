def nmax : Nat → Nat → Nat
  | 0, b => b
  | a+1, 0 => a+1
  | a+1, b+1 => nmax a b + 1

theorem nmax_comm (a b : Nat) : nmax a b = nmax b a := sorry
