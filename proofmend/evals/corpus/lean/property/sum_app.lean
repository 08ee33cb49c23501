def sum : List Nat → Nat
  | [] => 0
  | x :: xs => x + sum xs

def app : List α → List α → List α
  | [], ys => ys
  | x :: xs, ys => x :: app xs ys

theorem sum_app (xs ys : List Nat) : sum (app xs ys) = sum xs + sum ys := sorry
