System.Console.WriteLine("admin");
