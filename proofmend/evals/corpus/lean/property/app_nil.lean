def app : List α → List α → List α
  | [], ys => ys
  | x :: xs, ys => x :: app xs ys

def len : List α → Nat
  | [] => 0
  | _ :: xs => len xs + 1

theorem app_nil (xs : List α) : app xs [] = xs := sorry
